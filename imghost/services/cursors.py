"""Opaque keyset cursors: "the next page starts below this id", one kind per listing."""

from __future__ import annotations

import base64
import binascii

from imghost.errors import Invalid

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the schema


def encode(kind: str, last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}{last_id}".encode()).decode().rstrip("=")


def decode(kind: str, cursor: str) -> int:
    """The id a cursor of this kind carries; 400 for anything this server did not issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith(kind):
            raise ValueError
        last_id = int(raw[len(kind):])
        if not 0 < last_id <= MAX_ID:
            raise ValueError
        return last_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid("The cursor is not one this server issued.", code="invalid_cursor",
                      errors=[{"field": "cursor", "message": "Invalid cursor."}]) from None
