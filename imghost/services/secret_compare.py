"""Comparing a secret a client sent with the one we expect, in constant time.

hmac.compare_digest raises TypeError on a str with non-ASCII characters, so a
client could turn a wrong signature into a 500 with `?signature=é`: compare bytes.
"""

from __future__ import annotations

import hmac


def _bytes(value: str | bytes) -> bytes:
    # surrogatepass: a lone surrogate from a decoded URL still compares (unequal), never raises.
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def same_secret(sent: str | bytes, expected: str | bytes) -> bool:
    """True when sent equals expected; the time taken does not depend on where they differ."""
    return hmac.compare_digest(_bytes(sent), _bytes(expected))
