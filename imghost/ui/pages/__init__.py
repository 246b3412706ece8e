"""Registers every page on the app."""

from __future__ import annotations

import reflex as rx

from imghost.ui.pages.albums import album_page, albums_page
from imghost.ui.pages.auth import login_page, register_page
from imghost.ui.pages.gallery import gallery_page
from imghost.ui.pages.settings import settings_page
from imghost.ui.pages.upload import upload_page
from imghost.ui.state.albums import AlbumsState, AlbumState
from imghost.ui.state.gallery import GalleryState
from imghost.ui.state.session import SessionState
from imghost.ui.state.settings import SettingsState
from imghost.ui.state.upload import UploadState


def register_pages(app: rx.App) -> None:
    app.add_page(gallery_page, route="/", title="Your images · imghost",
                 on_load=GalleryState.load)
    app.add_page(upload_page, route="/upload", title="Upload · imghost",
                 on_load=UploadState.load)
    app.add_page(albums_page, route="/albums", title="Albums · imghost",
                 on_load=AlbumsState.load)
    app.add_page(album_page, route="/albums/[album_key]", title="Album · imghost",
                 on_load=AlbumState.load)
    app.add_page(settings_page, route="/settings", title="Settings · imghost",
                 on_load=SettingsState.load)
    app.add_page(login_page, route="/login", title="Log in · imghost",
                 on_load=SessionState.skip_if_signed_in)
    app.add_page(register_page, route="/register", title="Create an account · imghost",
                 on_load=SessionState.skip_if_signed_in)
