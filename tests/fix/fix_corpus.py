"""Legitimate names as real directories hold them: what `fix` must leave byte for byte.

Hand-picked shapes (each spelled as its script spells it) in many locales, combined into
users with a seeded generator. Some are warnings for the profile (U+3000 in a Japanese
display name, U+FA19 in a hanja name, NFD Vietnamese): fix acts on errors only by default,
and never on the glyph of a compatibility ideograph.
"""

from __future__ import annotations

import random
from typing import Any

ZWJ, ZWNJ = "\u200d", "\u200c"

# (locale, given name, family name, display name)
NAMES: list[tuple[str, str, str, str]] = [
    ("ar", "محمد", "العلي", "محمد العلي"),
    ("fa", f"محمد{ZWNJ}رضا", "کریمی", f"محمد{ZWNJ}رضا کریمی"),
    ("fa", "زهرا", f"می{ZWNJ}خواه", f"زهرا می{ZWNJ}خواه"),
    ("he", "יעל", "כהן", "יעל כהן"),
    ("hi", f"अनन्{ZWJ}त", "शर्मा", f"अनन्{ZWJ}त शर्मा"),
    ("hi", "प्रिया", "वर्मा", "प्रिया वर्मा"),
    ("bn", "সৌমিত্র", "চট্টোপাধ্যায়", "সৌমিত্র চট্টোপাধ্যায়"),
    ("si", f"ශ්{ZWJ}රියානි", "පෙරේරා", f"ශ්{ZWJ}රියානි පෙරේරා"),
    ("ml", f"കൃഷ്ണന്{ZWJ}", "നായർ", f"കൃഷ്ണന്{ZWJ} നായർ"),  # old-style chillu
    ("th", "สมชาย", "ใจดี", "สมชาย ใจดี"),
    ("vi", "Nguyễn", "Thị Minh Khai", "Nguyễn Thị Minh Khai"),
    ("ja", "太郎", "山田", "山田\u3000太郎"),
    ("ja", "さくら", "佐藤", "佐藤\u3000さくら"),
    ("ko", "\ufa19\u5bb0", "김", "김\ufa19\u5bb0"),  # U+FA19: a compatibility ideograph
    ("ko", "민준", "이", "이민준"),
    ("zh", "伟", "王", "王伟"),
    ("zh", "\U00020bb7子", "吉田", "吉田\U00020bb7子"),  # a supplementary-plane ideograph
    ("el", "Γιώργος", "Παπαδόπουλος", "Γιώργος Παπαδόπουλος"),
    ("ru", "Ольга", "Иванова", "Ольга Иванова"),
    ("tr", "İsmail", "Yıldız", "İsmail Yıldız"),
    ("is", "Þórunn", "Guðmundsdóttir", "Þórunn Guðmundsdóttir"),
    ("ga", "Seán", "Ó Briain", "Seán Ó Briain"),
    ("en-IE", "Siobhán", "O\u2019Brien", "Siobhán O\u2019Brien"),
    ("haw", "Kealoha", "\u02bbĀina", "Kealoha \u02bbĀina"),
    ("yo", "Adébáyọ̀", "Ọlábísí", "Adébáyọ̀ Ọlábísí"),
    ("de", "Jürgen", "Weiß", "Jürgen Weiß"),
    ("pl", "Zażółć", "Gęślą", "Zażółć Gęślą"),
    ("emoji", "Ada", "Lovelace", f"Ada Lovelace \U0001f469{ZWJ}\U0001f4bb"),
    ("emoji", "Kim", "Lee", f"Kim Lee \U0001f3f3\ufe0f{ZWJ}\U0001f308"),
]

# Decomposed Vietnamese, a warning only (`not-normalized`); its record has no error.
NFD_VIETNAMESE = (
    "vi-nfd",
    "Nguye\u0302\u0303n",
    "Tra\u0302\u0300n",
    "Nguye\u0302\u0303n Tra\u0302\u0300n",
)

# The shapes that edition 2 of the profile accepts (issue 12): ZWNJ/ZWJ where RFC 5892 allows
# them, and inside an emoji ZWJ sequence. Edition 1 calls them hidden characters (errors).
JOINERS = {ZWJ, ZWNJ}


def corpus_users(count: int = 60, seed: int = 12) -> list[dict[str, Any]]:
    """`count` users (every shape at least once), seeded: same input every run."""
    rng = random.Random(seed)
    shapes = [*NAMES, NFD_VIETNAMESE]
    chosen = shapes + [rng.choice(shapes) for _ in range(max(0, count - len(shapes)))]
    users = []
    for n, (locale, given, family, display) in enumerate(chosen, 1):
        login = f"user{n}.{locale}@corp.example"
        users.append(
            {
                "userName": login,
                "name": {"givenName": given, "familyName": family},
                "displayName": display,
                "emails": [{"value": login, "type": "work", "primary": True}],
                "title": rng.choice(["Engineer", "Sales", "エンジニア", "مهندس", "Инженер"]),
                "locale": locale,
            }
        )
    return users
