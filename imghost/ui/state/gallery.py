"""The gallery: the user's images in pages that cost the same at image 10,000 as at image 1.

The pages live in SLOTS slot variables (see gallery_window.py); a load sends one page.
The address keeps the filters, the reading position and the open image
(gallery_url.py); assets/gallery.js replaces it as the user goes, scrolls the pages
in, and turns keys and swipes into the viewer's buttons.
"""

from __future__ import annotations

import json

import reflex as rx

from imghost.errors import ImghostError, NotFound
from imghost.services import albums, images
from imghost.services.images import ImagePage
from imghost.ui.state.choices import AlbumOption, album_options, expires_in
from imghost.ui.state.formatting import GalleryImage, gallery_image
from imghost.ui.state.gallery_selection import TO_LOGIN, GallerySelection
from imghost.ui.state.gallery_url import GalleryAddress
from imghost.ui.state.gallery_window import PAGE_SIZE, SLOTS, PageWindow
from imghost.ui.state.service_calls import user_message
from imghost.ui.state.session import SessionState, SignedOut


def _replace_url(address: GalleryAddress):
    return rx.call_script(f"window.imghostGallery && window.imghostGallery.replaceUrl("
                          f"{json.dumps(address.url())})")


class GalleryState(GallerySelection, SessionState):
    # One page per slot; slot_order lists the slots top to bottom.
    slot_0: list[GalleryImage] = []
    slot_1: list[GalleryImage] = []
    slot_2: list[GalleryImage] = []
    slot_3: list[GalleryImage] = []
    slot_order: list[int] = list(range(SLOTS))
    newer_cursor: str = ""
    older_cursor: str = ""
    total: int = 0
    loaded: bool = False
    loading: bool = False
    error: str = ""
    # The filters as the controls show them.
    q: str = ""
    type_filter: str = "all"
    date_from: str = ""
    date_to: str = ""
    sort: str = "newest"
    # The large view.
    viewer: GalleryImage = GalleryImage()
    viewer_open: bool = False
    viewer_prev: int = 0
    viewer_next: int = 0
    confirm_open: bool = False
    deleting: bool = False
    # The viewer's pickers: the user's albums, and the expiry to set.
    album_options: list[AlbumOption] = []
    expiry_choice: str = ""

    _window: PageWindow = PageWindow()
    _address: GalleryAddress = GalleryAddress()

    # -- pages ------------------------------------------------------------------

    def _slot(self, slot: int) -> list[GalleryImage]:
        return getattr(self, f"slot_{slot}")

    def _set_slot(self, slot: int, items: list[GalleryImage]) -> None:
        setattr(self, f"slot_{slot}", items)

    def _loaded_images(self) -> list[GalleryImage]:
        """The window's images, top to bottom."""
        return [image for slot in self._window.order for image in self._slot(slot)]

    async def _page(self, cursor: str | None = None, before: str | None = None) -> ImagePage:
        return await self._as_user(images.list_page, PAGE_SIZE, cursor,
                                   self._address.search(), before)

    def _show_window(self) -> None:
        self.slot_order = self._window.slots_top_to_bottom()
        self.newer_cursor, self.older_cursor = (self._window.newer_cursor,
                                                self._window.older_cursor)

    def _place(self, page: ImagePage, below: bool = True) -> None:
        place = self._window.place_below if below else self._window.place_above
        slot, dropped = place(page.prev_cursor or "", page.next_cursor or "")
        if dropped is not None and dropped != slot:
            self._set_slot(dropped, [])
        self._set_slot(slot, [gallery_image(image) for image in page.images])
        self.total = page.total
        self._show_window()

    def _reset(self) -> None:
        self._window = PageWindow()
        for slot in range(SLOTS):
            if self._slot(slot):
                self._set_slot(slot, [])
        self.selected_ids, self._anchor = [], 0
        self._show_window()

    async def _open_at(self, at: str) -> None:
        """The window starting at the page the address names (or at the top)."""
        if at:
            try:
                above = await self._page(before=at)
                if above.images:
                    self._place(await self._page(cursor=above.next_cursor))
                    return
            except ImghostError:  # a stale or foreign position: start at the top
                self._address = self._address.with_changes(at="")
        self._place(await self._page())

    @rx.event
    async def load(self):
        """on_load: the place the address names, fresh each visit."""
        self.viewer_open = self.confirm_open = self.bulk_confirm_open = False
        self._address = address = GalleryAddress.from_params(self.router.url.query_parameters)
        self.q, self.date_from, self.date_to, self.sort = (address.q, address.date_from,
                                                           address.date_to, address.sort)
        self.type_filter = address.type or "all"
        self._reset()
        try:
            await self._open_at(address.at)
        except SignedOut:
            self.loaded = False
            return TO_LOGIN
        except ImghostError as error:  # a bad filter in a hand-made address
            self.error, self.loaded = error.detail, True
            return
        except Exception as error:
            self.error, self.loaded = user_message(error, "listing images"), True
            return
        self.error, self.loaded = "", True
        try:
            self.album_options = album_options(await self._as_user(albums.list_albums, 100))
        except Exception as error:  # the gallery works without its album picker
            user_message(error, "listing albums")
        if address.image:
            return await self._open_by_id(address.image)

    async def _load(self, below: bool):
        cursor = self.older_cursor if below else self.newer_cursor
        if not cursor or self.loading:
            return
        self.loading = True
        yield
        try:
            page = await (self._page(cursor=cursor) if below else self._page(before=cursor))
        except SignedOut:
            yield TO_LOGIN
            return
        except Exception as error:
            self.error = user_message(error, "listing images")
            return
        finally:
            self.loading = False
        self._place(page, below)
        at = self._window.reading_position() if below else self._window.newer_cursor
        self._address = self._address.with_changes(at=at)
        yield _replace_url(self._address)

    @rx.event
    async def load_more(self):
        async for update in self._load(below=True):
            yield update

    @rx.event
    async def load_newer(self):
        async for update in self._load(below=False):
            yield update

    # -- filters ----------------------------------------------------------------

    async def _apply(self, **changes):
        self._address = self._address.with_changes(at="", image=0, **changes)
        self._reset()
        try:
            await self._open_at("")
            self.error = ""
        except SignedOut:
            return TO_LOGIN
        except Exception as error:
            self.error = user_message(error, "searching")
        return _replace_url(self._address)

    @rx.event
    async def set_search(self, text: str):
        self.q = text
        return await self._apply(q=text.strip())

    @rx.event
    async def set_type_filter(self, value: str):
        self.type_filter = value
        return await self._apply(type="" if value == "all" else value)

    @rx.event
    async def set_sort(self, value: str):
        self.sort = value
        return await self._apply(sort=value)

    @rx.event
    async def set_date_from(self, value: str):
        self.date_from = value
        return await self._apply(date_from=value)

    @rx.event
    async def set_date_to(self, value: str):
        self.date_to = value
        return await self._apply(date_to=value)

    @rx.event
    async def clear_filters(self):
        self.q, self.type_filter, self.date_from, self.date_to, self.sort = (
            "", "all", "", "", "newest")
        return await self._apply(q="", type="", date_from="", date_to="", sort="newest")

    # -- selection --------------------------------------------------------------

    @rx.event
    def tile_click(self, image_id: int, info: dict):
        """Open the image, or select it while a selection is being made."""
        if self.selected_ids or info.get("shift_key") or info.get("ctrl_key") or info.get(
                "meta_key"):
            self._toggle(image_id, info)
            return None
        return self._open(image_id)

    def _drop_from_window(self, ids: set[int]) -> None:
        for slot in self._window.order:
            kept = [image for image in self._slot(slot) if image.id not in ids]
            if len(kept) != len(self._slot(slot)):
                self._set_slot(slot, kept)

    # -- viewer -----------------------------------------------------------------

    def _show(self, image: GalleryImage) -> list:
        order = self._loaded_images()
        ids = [item.id for item in order]
        where = ids.index(image.id) if image.id in ids else -1
        self.viewer, self.viewer_open = image, True
        self.expiry_choice = ""  # the picker shows "Change expiry" until used
        self.viewer_prev = ids[where - 1] if where > 0 else 0
        self.viewer_next = ids[where + 1] if 0 <= where < len(ids) - 1 else 0
        self._address = self._address.with_changes(image=image.id)
        return [_replace_url(self._address)]

    async def _open_by_id(self, image_id: int):
        found = [image for image in self._loaded_images() if image.id == image_id]
        if found:
            return self._show(found[0])
        try:
            image = await self._as_user(images.get, image_id)
        except SignedOut:
            return TO_LOGIN
        except NotFound:
            self._address = self._address.with_changes(image=0)
            return [_replace_url(self._address),
                    rx.toast.error("That image does not exist (any more).")]
        return self._show(gallery_image(image))

    def _open(self, image_id: int):
        found = [image for image in self._loaded_images() if image.id == image_id]
        return self._show(found[0]) if found else None

    @rx.event
    def open_image(self, image_id: int):
        return self._open(image_id)

    @rx.event
    def step(self, direction: int):
        """Previous (-1) / next (+1) in the viewer (buttons, arrow keys, swipes). From the
        state's own place, so quick presses queued before an answer each move once."""
        target = self.viewer_prev if direction < 0 else self.viewer_next
        if target:
            return self._open(target)

    def _change_tiles(self, ids: set[int], change) -> None:
        """Redraw the loaded tiles of these images as change(tile) (only pages holding one)."""
        for slot in self._window.order:
            items = self._slot(slot)
            if any(shown.id in ids for shown in items):
                self._set_slot(slot, [change(shown) if shown.id in ids else shown
                                      for shown in items])

    def _replace_viewed(self, image: GalleryImage) -> None:
        """The viewer's image changed (its expiry): show it, and the tile in its page."""
        self.viewer = image
        self._change_tiles({image.id}, lambda _shown: image)

    @rx.event
    async def set_expiry(self, choice: str):
        """Set (or clear, for "never") when the open image expires, counted from now."""
        self.expiry_choice = choice
        try:
            changed = await self._as_user(images.change, self.viewer.id, None, True,
                                          expires_in(choice))
        except SignedOut:
            yield TO_LOGIN
            return
        except Exception as error:
            yield rx.toast.error(user_message(error, "setting an expiry"))
            return
        self._replace_viewed(gallery_image(changed))
        yield rx.toast.success("It never expires." if not changed.expires_at
                               else f"It expires {self.viewer.expires}.", duration=2500)

    @rx.event
    async def add_to_album(self, album_id: str):
        return await self._into_album(album_id, [self.viewer.id], "Added to {album}.")

    @rx.event
    def set_viewer_open(self, value: bool):
        self.viewer_open = value
        if not value:
            self.confirm_open = False
            self._address = self._address.with_changes(image=0)
            return _replace_url(self._address)

    @rx.event
    def set_confirm_open(self, value: bool):
        self.confirm_open = value

    @rx.event
    async def delete_viewed(self):
        image_id, name = self.viewer.id, self.viewer.filename
        self.deleting = True
        yield
        try:
            await self._as_user(images.remove, image_id)
        except SignedOut:
            self.deleting = False
            yield TO_LOGIN
            return
        except NotFound:
            pass  # already gone (another tab): drop it from the grid all the same
        except Exception as error:
            self.deleting = False
            yield rx.toast.error(user_message(error, f"deleting image {image_id}"))
            return
        self.deleting = False
        self.confirm_open = self.viewer_open = False
        self._drop_from_window({image_id})
        self.selected_ids = [i for i in self.selected_ids if i != image_id]
        self.total = max(0, self.total - 1)
        self._address = self._address.with_changes(image=0)
        yield _replace_url(self._address)
        yield rx.toast.success(f"Deleted {name}.", duration=2500)
