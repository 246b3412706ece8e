"""Ready-made configurations for screenshot tools, filled in with a site and an API token.

The Settings page offers them right after a token is created (the only time it can be
shown); docs/clients.md explains each. All of them speak POST /api/images.
"""

from __future__ import annotations

import json
import shlex
from urllib.parse import urlsplit

SHAREX_VERSION = "15.0.0"


def upload_endpoint(site_url: str) -> str:
    return f"{site_url.rstrip('/')}/api/images"


def sharex_config(site_url: str, token: str) -> str:
    """A ShareX custom uploader (.sxcu): double-click it and ShareX adds it."""
    host = urlsplit(site_url).netloc or site_url
    return json.dumps({
        "Version": SHAREX_VERSION,
        "Name": f"imghost ({host})",
        "DestinationType": "ImageUploader",
        "RequestMethod": "POST",
        "RequestURL": upload_endpoint(site_url),
        "Headers": {"Authorization": f"Bearer {token}"},
        "Body": "MultipartFormData",
        "FileFormName": "file",
        "URL": "{json:url}",
        "ThumbnailURL": "{json:thumbnail_url}",
        "DeletionURL": "{json:delete_url}",
        "ErrorMessage": "{json:detail}",
    }, indent=2)


def sharex_filename(site_url: str) -> str:
    host = (urlsplit(site_url).hostname or "imghost").replace(".", "-")
    return f"imghost-{host}.sxcu"


def curl_command(site_url: str, token: str, path: str = "screenshot.png") -> str:
    return (f"curl -sS -H {shlex.quote(f'Authorization: Bearer {token}')} "
            f"-F {shlex.quote(f'file=@{path}')} {shlex.quote(upload_endpoint(site_url))}")


def flameshot_script(site_url: str, token: str) -> str:
    """Select a region, upload it, put the link on the clipboard (Wayland or X11)."""
    return f"""#!/usr/bin/env bash
# imghost: screenshot a region with Flameshot, upload it, copy the link.
# Bind this script to a key (e.g. Print) in your desktop's keyboard settings.
set -euo pipefail
IMGHOST_URL={shlex.quote(upload_endpoint(site_url))}
IMGHOST_TOKEN={shlex.quote(token)}

url=$(flameshot gui -r \\
  | curl -sS --fail-with-body -H "Authorization: Bearer $IMGHOST_TOKEN" \\
      -F "file=@-;filename=screenshot.png" "$IMGHOST_URL" \\
  | jq -er '.url // error(.detail)')
printf %s "$url" | {{ wl-copy 2>/dev/null || xclip -selection clipboard; }}
notify-send "imghost" "Link copied: $url" 2>/dev/null || echo "$url"
"""
