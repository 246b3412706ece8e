"""The gallery's address: filters, the position (a cursor) and the open image, so a
reload, a shared link or back/forward shows the same place."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from imghost.services.images import Search

SORTS = ("newest", "oldest", "largest")


@dataclass(frozen=True)
class GalleryAddress:
    q: str = ""
    type: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = "newest"
    at: str = ""  # cursor: the page the user was reading starts at this image
    image: int = 0  # the image open in the viewer

    @classmethod
    def from_params(cls, params) -> GalleryAddress:
        image = str(params.get("image", ""))
        sort = str(params.get("sort", "newest"))
        return cls(q=str(params.get("q", ""))[:255], type=str(params.get("type", "")),
                   date_from=str(params.get("from", "")), date_to=str(params.get("to", "")),
                   sort=sort if sort in SORTS else "newest", at=str(params.get("at", ""))[:64],
                   image=int(image) if image.isdigit() and len(image) <= 10 else 0)

    def search(self) -> Search:
        return Search(q=self.q or None, type=self.type or None,
                      created_from=self.date_from or None, created_to=self.date_to or None,
                      sort=self.sort)

    def with_changes(self, **changes) -> GalleryAddress:
        return replace(self, **changes)

    def url(self) -> str:
        params = {"q": self.q, "type": self.type, "from": self.date_from, "to": self.date_to,
                  "sort": "" if self.sort == "newest" else self.sort, "at": self.at,
                  "image": str(self.image) if self.image else ""}
        query = urlencode({k: v for k, v in params.items() if v})
        return f"/?{query}" if query else "/"
