"""A seeded Okta org of realistic people, for the fake Okta (fake_okta.py).

People from many countries, in their own scripts, with a desk phone and a mobile (most of
them), addresses with and without a region (most of the world has none), the statuses Okta
uses (suspended and deprovisioned included), department groups assigned to the app, people
assigned to the app directly, and the BUILT_IN `Everyone`. A small share is genuinely
defective, as AWS sees it: a hidden character in a name, a colon in a title, no last name.
`Org.defects` says which, and what the diagnosis must be.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

from fake_okta import okta_group, okta_user

APP = "0oa1awsidc"

# country, cities (city, region or None, postal code or None, street), phone prefix, timezone,
# locale, names (given, family), family name first in the display name?
COUNTRIES = [
    ("US", [("San Francisco", "CA", "94105", "500 Howard St"), ("Austin", "TX", "78701",
     "600 Congress Ave")], "+1", "America/Los_Angeles", "en_US",
     [("James", "Smith"), ("Mary", "O'Brien"), ("Zoë", "Washington"), ("DeShawn", "Jackson")],
     False),
    ("CA", [("Montréal", "QC", "H2Y 1C6", "1 Rue Notre-Dame O")], "+1", "America/Toronto",
     "fr_CA", [("Élodie", "Tremblay"), ("Liam", "Gagnon")], False),
    ("AU", [("Sydney", "NSW", "2000", "1 George St")], "+61", "Australia/Sydney", "en_AU",
     [("Olivia", "Nguyen"), ("Jack", "Wilson")], False),
    ("IN", [("Bengaluru", "KA", "560001", "12 MG Road")], "+91", "Asia/Kolkata", "en_IN",
     [("Priya", "Sharma"), ("आरव", "शर्मा"), ("Lakshmi", "Iyer")], False),
    ("BR", [("São Paulo", "SP", "01310-100", "Av. Paulista 1000")], "+55",
     "America/Sao_Paulo", "pt_BR", [("João", "Gonçalves"), ("Ana", "Conceição")], False),
    ("DE", [("Berlin", None, "10117", "Unter den Linden 1"), ("München", None, "80331",
     "Marienplatz 8")], "+49", "Europe/Berlin", "de_DE",
     [("Jürgen", "Müller"), ("Anna", "Schäfer"), ("Özlem", "Yılmaz")], False),
    ("FR", [("Paris", None, "75001", "1 Rue de Rivoli")], "+33", "Europe/Paris", "fr_FR",
     [("Émilie", "Dubois"), ("François", "Lefèvre")], False),
    ("GB", [("London", None, "EC2N 2DB", "1 Old Broad St")], "+44", "Europe/London", "en_GB",
     [("Siobhán", "Murphy"), ("Oliver", "Hughes-Patel")], False),
    ("ES", [("Madrid", None, "28013", "Calle Mayor 1")], "+34", "Europe/Madrid", "es_ES",
     [("José", "García Núñez"), ("María", "Fernández")], False),
    ("SE", [("Stockholm", None, "111 52", "Drottninggatan 1")], "+46", "Europe/Stockholm",
     "sv_SE", [("Åsa", "Löfgren"), ("Björn", "Ekström")], False),
    ("PL", [("Kraków", None, "31-001", "Rynek Główny 1")], "+48", "Europe/Warsaw", "pl_PL",
     [("Łukasz", "Wiśniewski"), ("Zofia", "Nowak")], False),
    ("GR", [("Αθήνα", None, "105 57", "Ερμού 1")], "+30", "Europe/Athens", "el_GR",
     [("Γιώργος", "Παπαδόπουλος"), ("Eleni", "Pappas")], False),
    ("UA", [("Київ", None, "01001", "вул. Хрещатик, 1")], "+380", "Europe/Kyiv", "uk_UA",
     [("Олена", "Шевченко"), ("Dmytro", "Kovalenko")], False),
    ("JP", [("東京", None, "100-0005", "丸の内1-1")], "+81", "Asia/Tokyo", "ja_JP",
     [("太郎", "山田"), ("花子", "佐藤")], True),
    ("KR", [("서울", None, "04524", "세종대로 110")], "+82", "Asia/Seoul", "ko_KR",
     [("민준", "김"), ("Seo-yeon", "Park")], True),
    ("SG", [("Singapore", None, "018956", "1 Marina Blvd")], "+65", "Asia/Singapore",
     "en_SG", [("Wei Ling", "Tan"), ("伟", "张")], False),
    ("AE", [("Dubai", None, None, "Sheikh Zayed Rd 1")], "+971", "Asia/Dubai", "ar_AE",
     [("محمد", "العلي"), ("Fatima", "Al Mansouri")], False),
    ("NG", [("Lagos", "LA", None, "1 Broad St")], "+234", "Africa/Lagos", "en_NG",
     [("Chiamaka", "Okafor"), ("Oluwaseun", "Adeyemi")], False),
]  # fmt: skip

DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Finance", "People", "Support", "Legal"]
ASSIGNED = ["Engineering", "Sales", "Marketing", "Finance", "People", "Support"]  # not Legal
TITLES = ["Engineer", "Senior Engineer", "Account Executive", "Manager, EMEA", "Analyst",
          "Director - Operations", "Specialist (L2)", "Head of People & Culture"]  # fmt: skip
STATUSES = [("ACTIVE", 900), ("PASSWORD_EXPIRED", 15), ("LOCKED_OUT", 10), ("RECOVERY", 5),
            ("PROVISIONED", 10), ("SUSPENDED", 30), ("DEPROVISIONED", 30)]  # fmt: skip
DEFECTS = ("hidden-character", "forbidden-character", "missing-required")


@dataclass
class Org:
    users: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)
    members: dict[str, list[str]] = field(default_factory=dict)
    apps: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    defects: dict[str, tuple[str, str]] = field(default_factory=dict)  # uid -> (rule, attribute)
    in_app: set[str] = field(default_factory=set)  # users the app's scope holds
    partial_address: set[str] = field(default_factory=set)

    def install(self, fake) -> None:  # type: ignore[no-untyped-def]
        fake.users, fake.groups = self.users, self.groups
        fake.members, fake.apps = self.members, self.apps


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text.lower() if c.isalnum()) or "x"


def _phone(rng: random.Random, prefix: str) -> str:
    return f"{prefix} {rng.randrange(10, 99)} {rng.randrange(1000, 9999)} {rng.randrange(100, 999)}"


def make_org(n: int, seed: int = 20, defect_share: float = 0.01) -> Org:
    """`n` people; about `defect_share` of the app's active ones genuinely defective."""
    rng = random.Random(seed)
    org = Org()
    groups = {name: f"00g{i:04d}dept" for i, name in enumerate(DEPARTMENTS)}
    org.groups = [okta_group("00g0000every", "Everyone", "BUILT_IN", "All users")]
    org.groups += [okta_group(gid, name) for name, gid in groups.items()]
    org.groups.append(okta_group("00g9999adgrp", "aws-readonly", "APP_GROUP", "from AD"))
    org.members = {gid: [] for gid in groups.values()} | {"00g0000every": []}
    org.members["00g9999adgrp"] = []
    direct: list[str] = []
    statuses, weights = zip(*STATUSES, strict=True)
    for i in range(n):
        uid = f"00u{i:05d}{rng.randrange(16**6):06x}"
        country, cities, prefix, tz, locale, names, family_first = rng.choice(COUNTRIES)
        given, family = rng.choice(names)
        city, region, postal, street = rng.choice(cities)
        department = rng.choice(DEPARTMENTS)
        status = rng.choices(statuses, weights)[0]
        login = f"{_slug(given)}.{_slug(family)}.{i}@acme.example"
        display = f"{family}{given}" if family_first and not given.isascii() else None
        profile: dict = {
            "status": status,
            "title": rng.choice(TITLES),
            "department": department,
            "employeeNumber": f"E{i:05d}",
            "costCenter": f"CC-{rng.randrange(100, 999)}",
            "organization": "Acme",
            "division": "EMEA" if prefix.startswith(("+3", "+4")) else "Global",
            "locale": locale,
            "preferredLanguage": locale.split("_")[0],
            "timezone": tz,
            "userType": rng.choice(["Employee", "Employee", "Contractor"]),
            "secondEmail": f"{_slug(given)}{i}@mail.example" if rng.random() < 0.3 else None,
            "manager": None,
            "managerId": None,
        }
        if display:
            profile["displayName"] = display
        phones = rng.random()
        if phones < 0.8:  # a desk phone and a mobile: most of a real directory
            profile["primaryPhone"], profile["mobilePhone"] = (
                _phone(rng, prefix),
                _phone(rng, prefix),
            )
        elif phones < 0.9:
            profile["mobilePhone"] = _phone(rng, prefix)
        elif phones < 0.95:
            profile["primaryPhone"] = _phone(rng, prefix)
        where = rng.random()
        if where < 0.85:
            profile.update(streetAddress=street, city=city, state=region, zipCode=postal)
            profile["countryCode"] = country
        elif where < 0.9:  # a city and a country only
            profile.update(city=city, countryCode=country)
        if where < 0.9 and not all(
            profile.get(k) for k in ("streetAddress", "city", "state", "zipCode", "countryCode")
        ):
            org.partial_address.add(uid)
        user = okta_user(uid, login, given, family, **profile)
        org.users.append(user)
        org.members["00g0000every"].append(uid)
        org.members[groups[department]].append(uid)
        if rng.random() < 0.05:
            org.members["00g9999adgrp"].append(uid)
        if department == "Legal" and rng.random() < 0.5 and status != "DEPROVISIONED":
            direct.append(uid)  # assigned to the app directly, not through a group
    org.apps = {APP: {"users": direct, "groups": [groups[d] for d in ASSIGNED]}}
    assigned_groups = set(org.apps[APP]["groups"])
    org.in_app = set(direct) | {
        uid for gid in assigned_groups for uid in org.members[gid]
    }  # group members of any status: deprovisioned ones too (sent inactive)
    _break_some(org, rng, defect_share)
    return org


def _break_some(org: Org, rng: random.Random, share: float) -> None:
    """Genuine defects, spread over the three kinds, among active people in the app."""
    candidates = [u for u in org.users if u["status"] == "ACTIVE" and u["id"] in org.in_app]
    chosen = rng.sample(candidates, max(3, round(len(org.users) * share)))
    for number, user in enumerate(chosen):
        profile = user["profile"]
        kind = DEFECTS[number % len(DEFECTS)]
        if kind == "hidden-character":  # pasted from a document: a zero-width space
            at = rng.randrange(1, len(profile["lastName"]) + 1)
            profile["lastName"] = profile["lastName"][:at] + "\u200b" + profile["lastName"][at:]
            org.defects[user["id"]] = (kind, "name.familyName")
        elif kind == "forbidden-character":
            profile["title"] = "Sales: EMEA"
            org.defects[user["id"]] = (kind, "title")
        else:
            profile["lastName"] = None
            profile["displayName"] = profile["firstName"]
            org.defects[user["id"]] = (kind, "name.familyName")
