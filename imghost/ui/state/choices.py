"""The choices the UI offers for expiry and albums (select values are strings)."""

from __future__ import annotations

from dataclasses import dataclass

from imghost.services import albums

NEVER = "never"
# (select value, label): seconds as text, so the value maps straight to expires_in.
EXPIRY_CHOICES = [(NEVER, "Never expires"), ("3600", "1 hour"), ("86400", "1 day"),
                  ("604800", "7 days"), ("2592000", "30 days")]
NO_ALBUM = "none"
NEW_ALBUM = "new"


def expires_in(choice: str) -> int | None:
    """The lifetime a choice stands for; anything unknown means never (never a guess)."""
    known = {value for value, _ in EXPIRY_CHOICES}
    return int(choice) if choice in known and choice != NEVER else None


@dataclass
class AlbumOption:
    """An album in a picker (the user's newest 100: albums.list_albums' largest page)."""

    id: str = ""
    title: str = ""


def album_options(page: albums.AlbumPage) -> list[AlbumOption]:
    return [AlbumOption(id=str(album.id), title=album.title) for album in page.albums]
