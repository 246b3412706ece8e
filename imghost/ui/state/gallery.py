"""The gallery: the user's images newest first, a page at a time, with a large view."""

from __future__ import annotations

import reflex as rx

from imghost.errors import NotFound
from imghost.services import albums, images
from imghost.ui.state.choices import AlbumOption, album_options, expires_in
from imghost.ui.state.formatting import GalleryImage, gallery_image
from imghost.ui.state.service_calls import user_message
from imghost.ui.state.session import SessionState, SignedOut

PAGE_SIZE = 24


class GalleryState(SessionState):
    images: list[GalleryImage] = []
    next_cursor: str = ""
    total: int = 0
    loaded: bool = False
    loading_more: bool = False
    error: str = ""
    selected: GalleryImage = GalleryImage()
    viewer_open: bool = False
    confirm_open: bool = False
    deleting: bool = False
    # The viewer's pickers: the user's albums, and the expiry to set.
    album_options: list[AlbumOption] = []
    expiry_choice: str = ""

    async def _page(self, cursor: str | None):
        """The next page, or None when the user is signed out."""
        try:
            return await self._as_user(images.list_page, PAGE_SIZE, cursor)
        except SignedOut:
            return None

    @rx.event
    async def load(self):
        """on_load: the first page, fresh each visit."""
        self.viewer_open = self.confirm_open = False
        try:
            page = await self._page(None)
        except Exception as error:
            self.error, self.loaded = user_message(error, "listing images"), True
            return
        if page is None:
            self.images, self.loaded = [], False
            return rx.redirect("/login", replace=True)
        self.images = [gallery_image(v) for v in page.images]
        self.next_cursor, self.total = page.next_cursor or "", page.total
        self.error, self.loaded = "", True
        try:
            self.album_options = album_options(await self._as_user(albums.list_albums, 100))
        except Exception as error:  # the gallery works without its album picker
            user_message(error, "listing albums")

    @rx.event
    async def load_more(self):
        if not self.next_cursor or self.loading_more:
            return
        self.loading_more = True
        yield
        try:
            page = await self._page(self.next_cursor)
        except Exception as error:
            self.error = user_message(error, "listing images")
            return
        finally:
            self.loading_more = False
        if page is None:
            yield rx.redirect("/login", replace=True)
            return
        known = {image.id for image in self.images}
        self.images = self.images + [gallery_image(v) for v in page.images if v.id not in known]
        self.next_cursor, self.total = page.next_cursor or "", page.total

    @rx.event
    def open_image(self, image_id: int):
        found = [image for image in self.images if image.id == image_id]
        if found:
            self.selected, self.viewer_open = found[0], True
            self.expiry_choice = ""  # the picker shows "Change expiry" until used

    def _replace_selected(self, image: GalleryImage) -> None:
        self.selected = image
        self.images = [image if shown.id == image.id else shown for shown in self.images]

    @rx.event
    async def set_expiry(self, choice: str):
        """Set (or clear, for "never") when the open image expires, counted from now."""
        self.expiry_choice = choice
        try:
            changed = await self._as_user(images.change, self.selected.id, None, True,
                                          expires_in(choice))
        except SignedOut:
            yield rx.redirect("/login", replace=True)
            return
        except Exception as error:
            yield rx.toast.error(user_message(error, "setting an expiry"))
            return
        self._replace_selected(gallery_image(changed))
        yield rx.toast.success("It never expires." if not changed.expires_at
                               else f"It expires {self.selected.expires}.", duration=2500)

    @rx.event
    async def add_to_album(self, album_id: str):
        names = {option.id: option.title for option in self.album_options}
        if album_id not in names:
            return
        try:
            await self._as_user(albums.add_images, int(album_id), [self.selected.id])
        except SignedOut:
            yield rx.redirect("/login", replace=True)
            return
        except Exception as error:
            yield rx.toast.error(user_message(error, "adding to an album"))
            return
        yield rx.toast.success(f"Added to {names[album_id]}.", duration=2500)

    @rx.event
    def set_viewer_open(self, value: bool):
        self.viewer_open = value
        if not value:
            self.confirm_open = False

    @rx.event
    def set_confirm_open(self, value: bool):
        self.confirm_open = value

    @rx.event
    async def delete_selected(self):
        image_id, name = self.selected.id, self.selected.filename
        self.deleting = True
        yield
        try:
            await self._as_user(images.remove, image_id)
        except SignedOut:
            self.deleting = False
            yield rx.redirect("/login", replace=True)
            return
        except NotFound:
            pass  # already gone (another tab): drop it from the grid all the same
        except Exception as error:
            self.deleting = False
            yield rx.toast.error(user_message(error, f"deleting image {image_id}"))
            return
        self.deleting = False
        self.confirm_open = self.viewer_open = False
        self.images = [image for image in self.images if image.id != image_id]
        self.total = max(0, self.total - 1)
        yield rx.toast.success(f"Deleted {name}.", duration=2500)
