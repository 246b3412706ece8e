"""The gallery's selection: click, shift-click ranges, all loaded; then delete them all
or download them as one zip. Mixed into GalleryState (gallery.py), whose pages it reads.

Albums (the sharing issue) add "add to album" here: one more handler over
`selected_ids` calling its action, like delete_selection.
"""

from __future__ import annotations

import reflex as rx

from imghost.services import bulk, zip_download
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
