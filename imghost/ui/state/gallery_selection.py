"""The gallery's selection: click, shift-click ranges, all loaded; then delete them all,
download them as one zip, add them to an album or set when they expire. Mixed into
GalleryState (gallery.py), whose pages it reads.
"""

from __future__ import annotations

from dataclasses import replace

import reflex as rx

from imghost.services import albums, bulk, zip_download
from imghost.ui.state.choices import expires_in
from imghost.ui.state.formatting import expiry_label
from imghost.ui.state.service_calls import user_message
from imghost.ui.state.session import SignedOut

TO_LOGIN = rx.redirect("/login", replace=True)


class GallerySelection(rx.State, mixin=True):
    selected_ids: list[int] = []
    bulk_confirm_open: bool = False
    bulk_busy: bool = False
    # The last image clicked: a shift-click selects from it.
    _anchor: int = 0

    @rx.event
    def toggle(self, image_id: int, info: dict):
        self._toggle(image_id, info)

    def _toggle(self, image_id: int, info: dict) -> None:
        """Select or unselect one image; with shift, everything from the last one clicked."""
        order = [image.id for image in self._loaded_images()]
        if info.get("shift_key") and self._anchor in order and image_id in order:
            first, last = sorted((order.index(self._anchor), order.index(image_id)))
            chosen = set(self.selected_ids) | set(order[first:last + 1])
            self.selected_ids = [i for i in order if i in chosen] + [
                i for i in self.selected_ids if i not in order]
        elif image_id in self.selected_ids:
            self.selected_ids = [i for i in self.selected_ids if i != image_id]
        else:
            self.selected_ids = [*self.selected_ids, image_id]
        self._anchor = image_id

    @rx.event
    def select_all_loaded(self):
        loaded = [image.id for image in self._loaded_images()]
        chosen = set(loaded)
        self.selected_ids = loaded + [i for i in self.selected_ids if i not in chosen]

    @rx.event
    def clear_selection(self):
        self.selected_ids, self._anchor = [], 0

    @rx.event
    def set_bulk_confirm_open(self, value: bool):
        self.bulk_confirm_open = value

    @rx.event
    async def delete_selection(self):
        ids = list(self.selected_ids)
        self.bulk_busy = True
        yield
        try:
            result = await self._as_user(bulk.remove_many, ids)
        except SignedOut:
            yield TO_LOGIN
            return
        except Exception as error:
            yield rx.toast.error(user_message(error, "deleting images"))
            return
        finally:
            self.bulk_busy = False
        self._drop_from_window(set(ids))  # missing ones were gone already
        self.total = max(0, self.total - len(result.deleted))
        self.selected_ids, self.bulk_confirm_open = [], False
        count = len(result.deleted)
        yield rx.toast.success(f"Deleted {count} image{'' if count == 1 else 's'}.",
                               duration=2500)

    @rx.event
    async def download_selection(self):
        self.bulk_busy = True
        yield
        try:
            link = await self._as_user(zip_download.grant_zip, list(self.selected_ids))
        except SignedOut:
            yield TO_LOGIN
            return
        except Exception as error:
            yield rx.toast.error(user_message(error, "preparing the zip"))
            return
        finally:
            self.bulk_busy = False
        path = "/api/images/zip/" + link.url.rsplit("/", 1)[1]
        yield rx.download(url=path, filename=path.rsplit("/", 1)[1][:12] + ".zip")

    async def _into_album(self, album_id: str, ids: list[int], done: str):
        """Add ids to the album; the event that says how it went (None: no such album)."""
        names = {option.id: option.title for option in self.album_options}
        if album_id not in names:
            return None
        try:
            await self._as_user(albums.add_images, int(album_id), ids)
        except SignedOut:
            return TO_LOGIN
        except Exception as error:
            return rx.toast.error(user_message(error, "adding to an album"))
        return rx.toast.success(done.format(album=names[album_id]), duration=2500)

    @rx.event
    async def add_selection_to_album(self, album_id: str):
        count = len(self.selected_ids)
        return await self._into_album(album_id, list(self.selected_ids),
                                      f"Added {count} image{'' if count == 1 else 's'} to {{album}}.")

    @rx.event
    async def set_selection_expiry(self, choice: str):
        """Every selected image expires that long from now ("never": clears it)."""
        try:
            result = await self._as_user(bulk.set_expiry, list(self.selected_ids),
                                         expires_in(choice))
        except SignedOut:
            yield TO_LOGIN
            return
        except Exception as error:
            yield rx.toast.error(user_message(error, "setting an expiry"))
            return
        label = expiry_label(result.expires_at)
        self._change_tiles(set(result.changed), lambda shown: replace(shown, expires=label))
        count = len(result.changed)
        yield rx.toast.success(f"{count} image{'' if count == 1 else 's'} "
                               + ("never expire." if not label else f"expire {label}."),
                               duration=2500)
