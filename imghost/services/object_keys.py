"""Which stored objects belong to one image: its original and the derivatives beside it.

Derivative keys are derived from the original's key, never stored elsewhere, so
whoever holds the original key (a delete, the reconcile sweep) knows every object the
image can have, whatever its row says at that moment.
"""

from __future__ import annotations

from imghost.services.image_types import BY_EXTENSION

# The derivatives the thumbnail worker makes (services/processing/worker.py).
DERIVATIVES = ("thumb", "display")
# `{user_id}/` + 32 hex digits: what every key of one image starts with.
_STEM_AFTER_SLASH = 32


def derivative_key(original_key: str, suffix: str) -> str:
    """`7/ab..ef.jpg` -> `7/ab..ef_thumb.webp`: next to the original, same user prefix."""
    return f"{original_key.rsplit('.', 1)[0]}_{suffix}.webp"


def image_keys(original_key: str) -> list[str]:
    """The original and every derivative it may have."""
    return [original_key, *(derivative_key(original_key, suffix) for suffix in DERIVATIVES)]


def stem(key: str) -> str:
    """`7/ab..ef_thumb.webp` and `7/ab..ef.jpg` -> `7/ab..ef` (a key matching KEY_PATTERN)."""
    return key[:key.index("/") + 1 + _STEM_AFTER_SLASH]


def possible_originals(key: str) -> list[str]:
    """Every original key the object `key` (an original or a derivative) may belong to."""
    base = stem(key)
    return [f"{base}.{extension}" for extension in BY_EXTENSION]
