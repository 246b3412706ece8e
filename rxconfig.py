"""Reflex configuration. Everything user-facing is configured by IMGHOST_* variables."""

import os

import reflex as rx

from imghost.settings import get_settings

# This machine kind (and many servers) cannot reach the internet: never phone home.
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")

settings = get_settings()

config = rx.Config(
    app_name="imghost",
    telemetry_enabled=False,
    # Reflex's own CORS echoes any origin unless told otherwise.
    cors_allowed_origins=settings.origins,
    backend_port=settings.port,
    # The UI's rate limits need the real client address, as the API's do.
    trusted_proxy_hops=settings.trusted_proxy_hops,
    frontend_port=settings.port,
    show_built_with_reflex=False,
    # The gallery is private: there is nothing for a sitemap to list.
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(
        theme=rx.theme(appearance="inherit", accent_color="indigo", radius="large"))],
)
