"""Two test corpora for the profile's second edition (issue 12), generated and seeded.

- `legitimate_users()`: real-world names from many locales (Faker), plus hand-picked shapes
  real directories hold (O'Brien with U+2019, a Hawaiian ʻokina, NFD Vietnamese, Persian ZWNJ,
  Hindi and Sinhala ZWJ conjuncts, emoji ZWJ sequences, ...). No record may draw an error;
  some carry the legitimate warnings real exports have (a trailing space, U+3000, NFD).
- `defect_users()` / `defect_groups()`: one record per Unicode general category and one per
  rule, each with the code rules.md documents for it.

Each corpus can be written in every format `check` reads (`write_formats`).
"""

from __future__ import annotations

import csv
import json
import random
import sys
import unicodedata
from pathlib import Path
from typing import Any

from faker import Faker

SEED = 2026
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
# 26 locales; those the issue names first.
LOCALES = (
    "ar_SA", "fa_IR", "he_IL", "hi_IN", "bn_BD", "si_LK", "th_TH", "vi_VN", "ja_JP", "ko_KR",
    "zh_CN", "zh_TW", "el_GR", "ru_RU", "tr_TR", "is_IS", "ga_IE", "yo_NG", "uk_UA", "ka_GE",
    "hy_AM", "ta_IN", "ne_NP", "pl_PL", "de_DE", "fr_FR",
)  # fmt: skip
FAMILY_FIRST = {"ja_JP", "ko_KR", "zh_CN", "zh_TW"}
# rules.md's default refuses these five in names (a profile switch); they are not names.
_NOT_NAMES = str.maketrans("", "", "<>;:%")


def _user(user_name: str, given: str, family: str, display: str, **extra: Any) -> dict[str, Any]:
    return {
        "schemas": [USER_URN],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "displayName": display,
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "active": True,
        **extra,
    }


# (familyName, givenName, displayName) shapes real directories hold, each spelled as its
# owner spells it. The comment says what makes it hard.
HAND_PICKED: tuple[tuple[str, str, str], ...] = (
    ("O\u2019Brien", "Siobhán", "Siobhán O\u2019Brien"),  # U+2019 apostrophe
    ("Kaʻiulani", "Leilani", "Leilani Kaʻiulani"),  # U+02BB ʻokina
    ("Nguye\u0302\u0303n", "Thi\u0323", "Nguye\u0302\u0303n Thi\u0323"),  # NFD: a warning
    ("Nguyễn", "Thị Minh", "Nguyễn Thị Minh"),  # NFC Vietnamese
    (
        "\u1ecc\u0300\u1e63\u00f9n",
        "Ad\u1eb9\u0301",
        "Ad\u1eb9\u0301 \u1ecc\u0300\u1e63\u00f9n",
    ),  # Yoruba, stacked marks in NFC
    ("\U00020bb7野", "太郎", "\U00020bb7野 太郎"),  # 𠮷: a supplementary-plane ideograph
    ("Doe", "Jane", "Jane Doe \U0001f680"),  # emoji
    ("Doe", "Jon", "Jon Doe \u2764\ufe0f"),  # emoji with its presentation selector
    ("Rezaei", "محمد\u200cرضا", "محمد\u200cرضا رضایی"),  # Persian ZWNJ (after a dal)
    ("رضایی", "زهرا", "نامه\u200cای"),  # ZWNJ between dual-joining letters
    ("अनन्\u200dत", "Anant", "अनन्\u200dत"),  # Hindi ZWJ after a virama
    ("ශ්\u200dරියානි", "Shriyani", "ශ්\u200dරියානි"),  # Sinhala ZWJ conjunct
    ("കാര്\u200dത്തിക്", "Karthik", "കാര്\u200dത്തിക്"),  # Malayalam chillu via ZWJ
    ("Dev", "Ada", "Ada \U0001f469\u200d\U0001f4bb"),  # emoji ZWJ sequence
    ("Family", "Kim", "\U0001f468\u200d\U0001f469\u200d\U0001f467 Kim"),
    ("Thumb", "Sam", "Sam \U0001f44d\U0001f3fd\u200d\u2642\ufe0f"),  # skin tone + ZWJ
    ("山田", "太郎", "山田\u3000太郎"),  # U+3000: a warning
    ("최", "\ufa19\uc218", "최 \ufa19\uc218"),  # U+FA19 in a hanja name: a warning
    ("Sigurðsson", "Þórunn", "Þórunn Sigurðsson"),
    ("Ó Súilleabháin", "Aoife", "Aoife Ó Súilleabháin"),
    ("Yılmaz", "Işıl", "Işıl Yılmaz"),
    ("Παπαδόπουλος", "Γιώργος", "Γιώργος Παπαδόπουλος"),
    ("Иванова", "Анна", "Анна Иванова"),
    ("כהן", "נועה", "נועה כהן"),
    ("สมชาย", "ใจดี", "สมชาย ใจดี"),
    ("김", "민준", "김민준"),
    ("Müller", "Zoë", "Zoë Müller "),  # a trailing space: a warning
)


def _sane(value: str) -> str:
    return " ".join(value.translate(_NOT_NAMES).split())


def _faker_user(fake: Faker, locale: str, n: int, rng: random.Random) -> dict[str, Any]:
    given, family = _sane(fake.first_name()), _sane(fake.last_name())
    display = f"{family} {given}" if locale in FAMILY_FIRST else f"{given} {family}"
    user = _user(
        f"{locale.lower()}.{n:05d}@example.com",
        given,
        family,
        display,
        externalId=f"{locale}-{n:05d}",
        title=_sane(fake.job())[:200] or "Staff",
        addresses=[
            {
                "streetAddress": _sane(fake.street_address()) or "1",
                "locality": _sane(fake.city()) or "City",
                "region": _sane(getattr(fake, "administrative_unit", fake.city)()) or "Region",
                "postalCode": _sane(fake.postcode()) or "0",
                "country": locale[-2:],
                "type": "work",
            }
        ],
    )
    roll = rng.random()  # about 8% carry a legitimate warning, as real exports do
    if roll < 0.03:
        user["title"] += " "  # blank-value
    elif roll < 0.05:
        user["displayName"] = display.replace(" ", "\u3000" if locale in FAMILY_FIRST else "\u00a0")
    elif roll < 0.08:
        user["name"]["familyName"] = unicodedata.normalize("NFD", family)  # where it differs
    return user


def legitimate_users(per_locale: int = 30, seed: int = SEED) -> list[dict[str, Any]]:
    """Users AWS accepts, from every locale and every hand-picked shape."""
    rng = random.Random(seed)
    users = []
    for index, locale in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed + index)
        for n in range(per_locale):
            users.append(_faker_user(fake, locale, index * 1000 + n, rng))
    for n, (family, given, display) in enumerate(HAND_PICKED):
        users.append(_user(f"picked.{n:03d}@example.com", given, family, display))
    # Real userNames outside ASCII, and a user whose name is only an address type (ssosync).
    users.append(_user("محمد\u200cرضا@example.ir", "محمد\u200cرضا", "رضایی", "محمد\u200cرضا"))
    users.append(_user("ශ්\u200dරී@example.lk", "ශ්\u200dරී", "Perera", "ශ්\u200dරී Perera"))
    users.append(_user("山田@example.jp", "太郎", "山田", "山田太郎", addresses=[{"type": "work"}]))
    return users


# --- defects ----------------------------------------------------------------------------------

# One code point of every general category, and the code rules.md gives a displayName holding
# it after "Jane " (marks: a stray-mark after a space; joiners there are hidden).
CATEGORY_SAMPLES: dict[str, tuple[str, str | None]] = {
    "Lu": ("D", None), "Ll": ("d", None), "Lt": ("\u01c5", None), "Lm": ("\u02b0", None),
    "Lo": ("\u05d0", None), "Mn": ("\u0301", "stray-mark"), "Mc": ("\u0903", "stray-mark"),
    "Me": ("\u20dd", "stray-mark"), "Nd": ("7", None), "Nl": ("\u2160", None),
    "No": ("\u00bd", None), "Pc": ("_", None), "Pd": ("-", None), "Ps": ("(", None),
    "Pe": (")", None), "Pi": ("\u00ab", None), "Pf": ("\u00bb", None), "Po": ("!", None),
    "Sm": ("+", None), "Sc": ("$", None), "Sk": ("^", None), "So": ("\u00a9", None),
    "Zs": ("\u2003", "hidden-character"), "Zl": ("\u2028", "hidden-character"),
    "Zp": ("\u2029", "hidden-character"), "Cc": ("\x07", "hidden-character"),
    "Cf": ("\u200b", "hidden-character"), "Co": ("\ue000", "hidden-character"),
    "Cn": ("\u0378", "hidden-character"),
}  # fmt: skip


def _defect(n: int, **changes: Any) -> dict[str, Any]:
    user = _user(f"defect.{n:03d}@example.com", "Jane", "Doe", "Jane Doe")
    for key, value in changes.items():
        if key.startswith("name."):
            user["name"][key[5:]] = value
        else:
            user[key] = value
    return user


def _address(**parts: Any) -> list[dict[str, Any]]:
    full = {
        "streetAddress": "1 Main St",
        "locality": "Springfield",
        "region": "IL",
        "postalCode": "62701",
        "country": "US",
    }
    return [{**full, **parts}]


# (code, record changes): one record per rule of the second edition and per old rule.
RULE_DEFECTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("hidden-character", {"name.givenName": "Jane\t"}),
    ("hidden-character", {"name.familyName": "Doe\nSmith"}),
    ("hidden-character", {"displayName": "Jane\rDoe"}),
    ("hidden-character", {"title": "Lead\tEngineer"}),
    ("hidden-character", {"displayName": "Jane\u200dDoe"}),  # ZWJ between Latin letters
    ("hidden-character", {"displayName": "Jane\u200cDoe"}),  # ZWNJ between Latin letters
    ("hidden-character", {"profileUrl": "https://x.example/\u200bjane"}),
    ("hidden-character", {"profileUrl": "https://x.example/\x00"}),
    ("empty-string", {"profileUrl": ""}),
    ("empty-string", {"title": ""}),
    ("forbidden-character", {"title": "Sales: EMEA"}),
    ("whitespace-in-identifier", {"userName": "bad user@example.com"}),
    ("too-long", {"title": "x" * 1025}),
    ("too-long", {"profileUrl": "https://x.example/" + "a" * 1010}),
    ("invalid-type", {"emails": [{"value": "p@example.com", "primary": "true"}]}),
    ("invalid-type", {"profileUrl": 7}),
    ("incomplete-address", {"addresses": _address(region=" ")}),
    ("incomplete-address", {"addresses": [{"locality": "Berlin", "type": "work"}]}),
    ("email-not-primary", {"emails": [{"value": "np@example.com", "primary": False}]}),
    ("multiple-values", {"phoneNumbers": [{"value": "1"}, {"value": "2"}]}),
    ("unsupported-attribute", {"password": "hunter2"}),
    ("missing-required", {"displayName": None}),
    ("stray-mark", {"displayName": "\u0301Jane Doe"}),
    ("stray-mark", {"displayName": "Jane Doe\ufe0f"}),
    ("stray-mark", {"title": "Lead \U000e0100"}),
    ("stray-mark", {"nickName": "\u180bJ"}),
    ("not-normalized", {"name.familyName": "Do\u0065\u0301"}),
    ("not-normalized", {"title": "\u0959"}),
    ("unusual-space", {"displayName": "Jane\u00a0Doe"}),
    ("blank-value", {"title": "Lead "}),
    ("mixed-script", {"displayName": "J\u043ehn Doe"}),
)


def defect_users() -> list[tuple[str, dict[str, Any]]]:
    """(expected code, user), one a category and one a rule; userNames are all distinct."""
    out = []
    n = 0
    for category, (ch, code) in CATEGORY_SAMPLES.items():
        assert unicodedata.category(ch) == category, (category, ch)
        user = _defect(n, displayName=f"Jane {ch}")
        out.append((code or "", user))
        n += 1
    for code, changes in RULE_DEFECTS:
        user = _defect(n, **changes)
        if user.get("displayName") is None:
            user.pop("displayName")
        out.append((code, user))
        n += 1
    return out


def _group(name: str, members: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    group: dict[str, Any] = {"schemas": [GROUP_URN], "displayName": name}
    if members is not None:
        group["members"] = members
    return group


def defect_groups() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("too-many-members", _group("Big", [{"value": f"u{i}"} for i in range(101)])),
        ("unsupported-attribute", _group("Shown", [{"value": "u1", "display": "U"}])),
        ("hidden-character", _group("Ops\tTeam")),
        ("empty-string", _group("Refs", [{"value": "u1", "$ref": ""}])),
    ]


def surrogate_user() -> tuple[str, dict[str, Any]]:
    """Cs, the one category no UTF-8 file can hold: a lone surrogate, for in-process checks."""
    return "hidden-character", _defect(999, displayName="Jane \ud800")


# --- formats ----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "userName", "name.givenName", "name.familyName", "displayName", "emails[0].value",
    "emails[0].primary", "externalId", "title", "addresses[0].streetAddress",
    "addresses[0].locality", "addresses[0].region", "addresses[0].postalCode",
    "addresses[0].country", "addresses[0].type",
)  # fmt: skip
OKTA_FIELDS = {
    "userName": "login", "name.givenName": "firstName", "name.familyName": "lastName",
    "displayName": "displayName", "emails[0].value": "email", "title": "title",
    "addresses[0].streetAddress": "streetAddress", "addresses[0].locality": "city",
    "addresses[0].region": "state", "addresses[0].postalCode": "zipCode",
    "addresses[0].country": "countryCode",
}  # fmt: skip


def _flat(user: dict[str, Any]) -> dict[str, str]:
    """A user as SCIM paths -> values (what the CSV and Okta formats hold)."""
    address = (user.get("addresses") or [{}])[0]
    flat = {
        "userName": user["userName"],
        "name.givenName": user["name"]["givenName"],
        "name.familyName": user["name"]["familyName"],
        "displayName": user["displayName"],
        "emails[0].value": user["emails"][0]["value"],
        "emails[0].primary": "true",
        "externalId": user.get("externalId", ""),
        "title": user.get("title", ""),
    }
    for part in ("streetAddress", "locality", "region", "postalCode", "country", "type"):
        flat[f"addresses[0].{part}"] = address.get(part, "")
    return flat


def write_formats(users: list[dict[str, Any]], directory: Path) -> dict[str, Path]:
    """The users in every format `check` reads: format name -> file."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "jsonl": directory / "users.jsonl",
        "array": directory / "users.json",
        "list-response": directory / "list.json",
        "csv": directory / "users.csv",
        "okta": directory / "okta.json",
    }
    files["jsonl"].write_text(
        "".join(json.dumps(u, ensure_ascii=False) + "\n" for u in users), encoding="utf-8"
    )
    files["array"].write_text(json.dumps(users, ensure_ascii=False), encoding="utf-8")
    files["list-response"].write_text(
        json.dumps(
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": len(users),
                "Resources": users,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    with files["csv"].open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for user in users:
            writer.writerow(_flat(user))
    okta = []
    for n, user in enumerate(users):
        flat = _flat(user)
        profile = {okta: flat[path] for path, okta in OKTA_FIELDS.items() if flat[path] != ""}
        okta.append({"id": f"00u{n:017d}", "status": "ACTIVE", "profile": profile})
    files["okta"].write_text(json.dumps(okta, ensure_ascii=False), encoding="utf-8")
    return files


if __name__ == "__main__":  # a look at the corpus: python tests/corpora.py
    json.dump(legitimate_users(2), sys.stdout, ensure_ascii=False, indent=1)
