"""/albums (the list, and making one) and /albums/[album_key] (one album: its images,
sharing, taking images out, deleting it)."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from imghost.errors import NotFound
from imghost.services import albums
from imghost.services.albums import AlbumPublic
from imghost.ui.state.formatting import GalleryImage, gallery_image
from imghost.ui.state.service_calls import user_message
from imghost.ui.state.session import SessionState, SignedOut

PAGE_SIZE = 24


@dataclass
class AlbumCard:
    id: int = 0
    title: str = ""
    count_label: str = ""
    cover: str = ""
    shared: bool = False


def album_card(album: AlbumPublic) -> AlbumCard:
    count = "1 image" if album.image_count == 1 else f"{album.image_count} images"
    return AlbumCard(id=album.id, title=album.title, count_label=count,
                     cover=album.cover_url or "", shared=album.shared)


class AlbumsState(SessionState):
    albums: list[AlbumCard] = []
    next_cursor: str = ""
    loaded: bool = False
    error: str = ""
    new_title: str = ""
    creating: bool = False

    @rx.event
    async def load(self):
        try:
            page = await self._as_user(albums.list_albums, PAGE_SIZE)
        except SignedOut:
            return rx.redirect("/login", replace=True)
        except Exception as error:
            self.error, self.loaded = user_message(error, "listing albums"), True
            return None
        self.albums = [album_card(a) for a in page.albums]
        self.next_cursor, self.error, self.loaded = page.next_cursor or "", "", True
        return None

    @rx.event
    async def load_more(self):
        if not self.next_cursor:
            return
        try:
            page = await self._as_user(albums.list_albums, PAGE_SIZE, self.next_cursor)
        except SignedOut:
            yield rx.redirect("/login", replace=True)
            return
        except Exception as error:
            self.error = user_message(error, "listing albums")
            return
        self.albums = self.albums + [album_card(a) for a in page.albums]
        self.next_cursor = page.next_cursor or ""

    @rx.event
    def set_new_title(self, title: str):
        self.new_title = title

    @rx.event
    async def create(self, _form: dict | None = None):
        self.creating = True
        yield
        try:
            album = await self._as_user(albums.create, self.new_title)
        except SignedOut:
            yield rx.redirect("/login", replace=True)
            return
        except Exception as error:
            self.error = user_message(error, "creating an album")
            return
        finally:
            self.creating = False
        self.albums = [album_card(album), *self.albums]
        self.new_title, self.error = "", ""
        yield rx.redirect(f"/albums/{album.id}")


class AlbumState(SessionState):
    album_id: int = 0
    title: str = ""
    description: str = ""
    count: int = 0
    shared: bool = False
    share_url: str = ""
    images: list[GalleryImage] = []
    next_cursor: str = ""
    loaded: bool = False
    error: str = ""
    confirm_open: bool = False

    def _show(self, album: AlbumPublic) -> None:
        self.album_id, self.title, self.description = album.id, album.title, album.description
        self.count, self.shared, self.share_url = album.image_count, album.shared, album.share_url or ""

    @rx.event
    async def load(self):
        self.loaded, self.error, self.confirm_open = False, "", False
        raw = str(self.router.page.params.get("album_key", ""))
        album_id = int(raw) if raw.isdigit() and len(raw) < 10 else 0
        try:
            album = await self._as_user(albums.get, album_id)
            page = await self._as_user(albums.images_page, album_id, PAGE_SIZE)
        except SignedOut:
            return rx.redirect("/login", replace=True)
        except Exception as error:  # someone else's album is "not found" too
            self.images, self.title = [], ""
            self.error, self.loaded = user_message(error, "opening an album"), True
            return None
        self._show(album)
        self.images = [gallery_image(v) for v in page.images]
        self.next_cursor, self.loaded = page.next_cursor or "", True
        return None

    @rx.event
    async def load_more(self):
        if not self.next_cursor:
            return
        try:
            page = await self._as_user(albums.images_page, self.album_id, PAGE_SIZE,
                                       self.next_cursor)
        except SignedOut:
            yield rx.redirect("/login", replace=True)
            return
        except Exception as error:
            yield rx.toast.error(user_message(error, "listing an album"))
            return
        self.images = self.images + [gallery_image(v) for v in page.images]
        self.next_cursor = page.next_cursor or ""

    @rx.event
    async def set_shared(self, value: bool):
        try:
            album = await self._as_user(albums.change, self.album_id, None, None,
                                        albums.UNCHANGED, value)
        except SignedOut:
            yield rx.redirect("/login", replace=True)
            return
        except Exception as error:
            yield rx.toast.error(user_message(error, "sharing an album"))
            return
        self._show(album)
        yield rx.toast.success("Shared: anyone with the link can see it." if value
                               else "No longer shared: the old link is dead.", duration=2500)

    @rx.event
    async def remove_image(self, image_id: int):
        try:
            await self._as_user(albums.remove_image, self.album_id, image_id)
        except SignedOut:
            yield rx.redirect("/login", replace=True)
            return
        except NotFound:
            pass  # already out of the album (another tab)
        except Exception as error:
            yield rx.toast.error(user_message(error, "taking an image out of an album"))
            return
        self.images = [image for image in self.images if image.id != image_id]
        self.count = max(0, self.count - 1)

    @rx.event
    def set_confirm_open(self, value: bool):
        self.confirm_open = value

    @rx.event
    async def delete_album(self):
        try:
            await self._as_user(albums.remove, self.album_id)
        except SignedOut:
            yield rx.redirect("/login", replace=True)
            return
        except NotFound:
            pass
        except Exception as error:
            yield rx.toast.error(user_message(error, "deleting an album"))
            return
        self.confirm_open = False
        yield rx.toast.success(f"Deleted the album {self.title}; its images are kept.",
                               duration=2500)
        yield rx.redirect("/albums", replace=True)
