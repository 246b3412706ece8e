"""The upload page: files go from the browser straight to storage, then get confirmed.

assets/upload.js holds the File objects (they never pass through this server),
PUTs each to its presigned URL with XHR progress events and reports back by
clicking a hidden button whose handler drains its news into `sync` below:
{"added": [{id, name, type, size}], "progress": {id: bytes}, "done": [{id, status}]}.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import reflex as rx

from imghost.runtime import get_runtime
from imghost.services import accounts, albums, uploads
from imghost.services.accounts import AccountPublic
from imghost.ui.state.choices import (
    NEVER,
    NEW_ALBUM,
    NO_ALBUM,
    AlbumOption,
    album_options,
    expires_in,
)
from imghost.ui.state.formatting import human_size, markdown_link, storage_usage
from imghost.ui.state.service_calls import run_as, user_message
from imghost.ui.state.session import SessionState, SignedOut


@dataclass
class UploadItem:
    id: str = ""
    name: str = ""
    size_label: str = ""
    # checking -> uploading -> confirming -> done | error
    status: str = "checking"
    progress: int = 0
    error: str = ""
    url: str = ""
    markdown: str = ""
    page_url: str = ""


def put_failure(status: int) -> str:
    if status == 0:
        return "The connection to the storage was lost; try again."
    if status in (401, 403):
        return "The storage refused the upload (the link may have expired); try again."
    if status == 413:
        return "The storage refused the file as too large."
    return f"The storage answered {status}; try again."


class UploadState(SessionState):
    items: list[UploadItem] = []
    # "X of Y used": the user's stored bytes against their quota.
    usage_label: str = ""
    usage_percent: int = 0
    # id -> what confirm needs; kept on the server, never sent to the browser.
    _pending: dict[str, dict] = {}
    # For the next files added: how long they live and which album they go into.
    expiry_choice: str = NEVER
    album_choice: str = NO_ALBUM
    album_options: list[AlbumOption] = []
    new_album_title: str = ""
    album_error: str = ""

    @rx.event
    async def load(self):
        """on_load: sign-in check, how much room is left, the albums to choose from."""
        account = await self._current_user()
        if account is None:
            return rx.redirect("/login", replace=True)
        self._show_usage(account)
        try:
            self.album_options = album_options(await self._as_user(albums.list_albums, 100))
        except Exception as error:  # uploading works without the album picker
            self.album_error = user_message(error, "listing albums")

    @rx.event
    def set_expiry_choice(self, choice: str):
        self.expiry_choice = choice

    @rx.event
    def set_album_choice(self, choice: str):
        self.album_choice, self.album_error = choice, ""

    @rx.event
    def set_new_album_title(self, title: str):
        self.new_album_title = title

    @rx.event
    async def create_album(self, _form: dict | None = None):
        """Make the album typed in and choose it for the next files."""
        try:
            album = await self._as_user(albums.create, self.new_album_title)
        except SignedOut:
            return rx.redirect("/login", replace=True)
        except Exception as error:
            self.album_error = user_message(error, "creating an album")
            return None
        self.album_options = [AlbumOption(id=str(album.id), title=album.title),
                              *self.album_options]
        self.album_choice, self.new_album_title, self.album_error = str(album.id), "", ""
        return rx.toast.success(f"New album {album.title}: the next files go into it.",
                                duration=2500)

    @rx.var
    def limit_label(self) -> str:
        # A runtime var, not build-time text: the build outlives configuration changes.
        return human_size(get_runtime().settings.max_upload_bytes)

    @rx.var
    def active(self) -> int:
        return sum(1 for item in self.items if item.status not in ("done", "error"))

    @rx.var
    def finished(self) -> int:
        return sum(1 for item in self.items if item.status in ("done", "error"))

    def _show_usage(self, account: AccountPublic) -> None:
        self.usage_label, self.usage_percent = storage_usage(account.bytes_stored,
                                                             account.quota_bytes)

    def _update(self, item_id: str, **changes) -> None:
        self.items = [replace(item, **changes) if item.id == item_id else item
                      for item in self.items]

    @rx.event
    def clear_finished(self):
        self.items = [item for item in self.items if item.status not in ("done", "error")]

    @rx.event
    async def sync(self, news: dict | None):
        news = news or {}
        for item_id, sent in (news.get("progress") or {}).items():
            total = self._pending.get(item_id, {}).get("size_bytes") or 1
            self._update(item_id, progress=min(99, int(100 * int(sent) / total)))
        added, done = news.get("added") or [], news.get("done") or []
        if not added and not done:
            return
        account = await self._current_user()
        if account is None:
            yield rx.redirect("/login", replace=True)
            return
        self._show_usage(account)
        for file in added:
            self.items = self.items + [UploadItem(id=str(file["id"]), name=str(file["name"]),
                                                  size_label=human_size(int(file["size"])))]
        yield
        for file in added:
            start = await self._grant(file)
            if start is not None:
                yield start
        for report in done:
            start = self._finish_put(str(report["id"]), int(report.get("status") or 0))
            if start is not None:
                yield start

    async def _grant(self, file: dict):
        """Check type and size with the service before a byte is sent, then start the PUT."""
        item_id, name = str(file["id"]), str(file["name"])
        size, content_type = int(file["size"]), str(file.get("type") or "")
        try:
            grant = await self._as_user(uploads.start, name, content_type, size,
                                        expires_in(self.expiry_choice))
        except SignedOut:
            self._update(item_id, status="error", error=self.notice)
            return rx.call_script(f"window.imghost.forget({json.dumps(item_id)})")
        except Exception as error:  # every failure ends this row, never the others
            self._update(item_id, status="error", error=user_message(error, f"granting {name!r}"))
            return rx.call_script(f"window.imghost.forget({json.dumps(item_id)})")
        self._pending[item_id] = {"token": self.token, "r2_key": grant.r2_key, "filename": name,
                                  "size_bytes": size, "content_type": content_type,
                                  "url": grant.public_url,
                                  "album_id": (int(self.album_choice) if self.album_choice
                                               not in (NO_ALBUM, NEW_ALBUM) else None)}
        self._update(item_id, status="uploading")
        args = ", ".join(json.dumps(a) for a in (item_id, grant.upload_url, grant.headers))
        return rx.call_script(f"window.imghost.put({args})")

    def _finish_put(self, item_id: str, status: int):
        if item_id not in self._pending:
            return None
        if not 200 <= status < 300:
            self._pending.pop(item_id)
            self._update(item_id, status="error", error=put_failure(status))
            return None
        self._update(item_id, status="confirming", progress=100)
        return UploadState.confirm(item_id)

    @rx.event(background=True)
    async def confirm(self, item_id: str):
        """Confirm one stored upload. In the background: checking and stripping a big
        image takes a while, and meanwhile the other files' progress keeps coming in."""
        async with self:
            pending = self._pending.pop(item_id, None)
        if pending is None:
            return
        changes = {"status": "done", "url": pending["url"],
                   "markdown": markdown_link(pending["filename"], pending["url"])}
        account = None
        try:
            finished = await run_as(pending["token"], uploads.finish, pending["r2_key"],
                                    pending["filename"], pending["size_bytes"],
                                    pending["content_type"])
            changes["page_url"] = finished.image.page_url
            if pending["album_id"] is not None:
                await run_as(pending["token"], albums.add_images, pending["album_id"],
                             [finished.image.id])
            account = await run_as(pending["token"], accounts.profile)
        except Exception as error:  # a row must never stay "checking" forever
            changes = {"status": "error",
                       "error": user_message(error, f"confirming {pending['r2_key']}")}
        async with self:
            self._update(item_id, **changes)
            if account is not None:
                self._show_usage(account)
