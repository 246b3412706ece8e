"""Short unguessable addresses for shared pages (/i/{slug}, /a/{slug}).

Random, never derived from the sequential ids: a slug can be shared without
revealing how many images exist or letting anyone walk to the next one.
10 base62 characters are ~59.5 bits; a clash (caught by the unique index) would
need billions of images before it became likely.
"""

from __future__ import annotations

import re
import secrets
import string

BASE62 = string.digits + string.ascii_letters
SLUG_LENGTH = 10
# What a slug may look like in a URL: anything else is a 404 without a query.
SLUG_PATTERN = re.compile(r"^[0-9A-Za-z]{8,32}$")


def new_slug() -> str:
    return "".join(secrets.choice(BASE62) for _ in range(SLUG_LENGTH))


def looks_like_slug(text: str) -> bool:
    return bool(SLUG_PATTERN.fullmatch(text or ""))
